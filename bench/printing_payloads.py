"""Sample payloads for the printing benchmarks: mixed scripts, four areas each."""

from __future__ import annotations

NAMES = (
    "Nguyễn Thị Hoa",
    "Zoë Martin",
    "Ζωή Παπαδοπούλου",
    "Дмитрий Шостакович",
    "محمد عبد الله",
    "שרה כהן",
    "王小明",
    "山田 花子",
    "김민준",
)
AREAS = (
    ("Communication", 90),
    ("Teamwork", 82.5),
    ("Problem solving", 77),
    ("Time management", 64),
)


def credential(number: int) -> dict:
    """Return credential number of a sample payload."""
    public_id = f"pub{number:05d}Xy"
    return {
        "public_id": public_id,
        "short_code": f"LAU-{number:05d}-9PXM",
        "learner_name": NAMES[number % len(NAMES)],
        "learner_email": f"learner{number}@example.org",
        "organisation": "Riverside College",
        "suite_title": "Workplace Readiness",
        "issued_on": "2026-12-04",
        "areas": [{"title": title, "score": score} for title, score in AREAS],
        "signer": "Dana Smith",
        "verification_url": f"http://127.0.0.1:5000/verify/{public_id}",
    }


def credentials_payload(
    count: int,
    outputs: tuple[str, ...] = ("merged", "zip", "manifest"),
    output_key: str = "bench/group",
) -> dict:
    """Return a render_credentials payload of count sample credentials."""
    return {
        "job_id": "be0c0c9e5f6a4b3c9d2e1f0a1b2c3d4e",
        "output_key": output_key,
        "layout": {"page_size": "A4"},
        "outputs": list(outputs),
        "credentials": [credential(number) for number in range(count)],
    }
