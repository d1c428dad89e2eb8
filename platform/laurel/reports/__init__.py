"""Monitoring: the progress matrix, learner reports, the summary and exports."""
