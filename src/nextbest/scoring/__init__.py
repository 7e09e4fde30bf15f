"""The deterministic scoring core: loading, identity resolution, scores, reasons and runs."""
