# My Records' models live in their own module; Django finds models through this one.
from prescriptions.records.models import MedicalReport, RecordShare  # noqa: F401
