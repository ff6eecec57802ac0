"""EventBridge: events delivered to rules' targets apart from the request that produced them."""
