"""The web side of Entraide, core-side: signed links and sessions, page models, SVG plots,
and the HTML templates. The HTTP server itself is an adapter (``adapters/web``)."""
