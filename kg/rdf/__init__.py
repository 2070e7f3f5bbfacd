"""Records to RDF: vocabulary, graph building, validation, I/O."""
