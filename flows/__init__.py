"""Prefect flows: thin task wrappers around the ocr library."""
