"""The architecture chart: its pages and SVG download (views), and its layout (layout)."""
