"""The citizen pages, by subject: each view module is imported by the URLs alone; what other
modules share (presenters, field tables, the export) sits beside it under its own name."""
