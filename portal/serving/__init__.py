"""How responses are kept and served: the cache mechanism, the page cache, the Simplified
conversion, the middleware and the Atom writer."""
