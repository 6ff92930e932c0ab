"""GS1 Digital Link resolution: paths, levels, link types and linksets."""
