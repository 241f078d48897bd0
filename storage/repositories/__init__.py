"""One repository per aggregate, each over the connection of a unit of work."""
