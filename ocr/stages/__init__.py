"""The stages as the pipeline composes them: each takes its work and settings, writes its files
and returns a typed record of ocr/results.py."""
