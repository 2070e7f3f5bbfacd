"""Search indexes over the graph: node texts, Korean lexical index, dense vectors."""
