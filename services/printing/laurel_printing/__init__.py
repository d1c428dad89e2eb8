"""Laurel's printing service: RQ jobs that render credentials and login sheets.

The job entry points are in :mod:`laurel_printing.jobs`; the platform enqueues
them by dotted name and never imports this package.
"""

__version__ = "0.1.0"
