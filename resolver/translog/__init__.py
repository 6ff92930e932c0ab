"""A transparency log of every passport version written on the node: an RFC 9162 Merkle tree
with signed tree heads, inclusion and consistency proofs, kept in the node's store."""
