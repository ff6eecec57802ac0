"""The Feature Store, split as Feast splits one: the group definitions and record checks
(:mod:`.definitions`), the online store (:mod:`.online_store`), the offline store (:mod:`.offline_store`)
and ingestion into both (:mod:`.ingestion`)."""
