"""A battery's life after manufacture: dynamic data as events, health rating, warnings, subscriptions.

The composition root (``resolver.node``) opens the part (``resolver.lifecycle.part``: event
store, warning feed, delivery); its routes are the route module ``resolver.http.lifecycle``;
its settings are the ``[lifecycle]`` table (``resolver.config.lifecycle``).
"""
