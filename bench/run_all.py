"""Runs every benchmark of bench/ in turn and prints their figures."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for script in ("pages.py", "ocr_engines.py", "fields.py", "verdicts.py", "reports.py", "fraud.py", "fraud_batch.py", "fraud_planted.py", "cost.py",
               "scale.py", "cache.py", "memory.py"):
    print(f"=== {script}", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=False)
