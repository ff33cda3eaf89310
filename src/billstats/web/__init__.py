"""HTTP plumbing shared by every surface: connections, authentication, error rendering."""
