"""Search: the page (views), what a search reads beside the matching rows (index), the
ranked results and named pages (ranking), highlighted titles and snippets (highlight)."""
