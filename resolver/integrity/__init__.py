"""Tamper evidence for passports: Data Integrity proofs (eddsa-rdfc-2022), Multikey and did:key,
and the node's signing keys."""
