"""Reports: report.json per applicant, batch.json and the batch index.html."""
from reports.writer import build_report, write_batch, write_report

__all__ = ["build_report", "write_batch", "write_report"]
