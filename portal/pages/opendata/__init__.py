"""Open data: the downloads and the open data page (views, downloads), the export format
(export), the fields' descriptions (fields) and the DCAT catalog (catalog)."""
