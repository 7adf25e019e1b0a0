"""The learning library, pure: what an entry is, links to published material, search, and the
files it is imported from and exported to."""
