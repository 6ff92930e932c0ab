"""The node's parts made from its configuration: the integrity part (keyring, view signer and
transparency log), the peers' pinned keys and the keys a node holds to check signatures with.

They sit above what they wire (``resolver.integrity``, ``resolver.translog``, the stores) and
below the composition root (``resolver.node``) and the commands that open them.
"""
