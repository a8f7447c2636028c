"""Resource handlers: one module per verb, each `async def handle(ctx)`.

Handlers turn HTTP into calls on `ResourceStorage` and results into replies;
they hold no semantics of their own. `app.py` picks the handler from the
request's Kubernetes verb and subresource.
"""
