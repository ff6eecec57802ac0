"""S3's behaviour beyond moto's: the events a bucket sends to EventBridge."""
