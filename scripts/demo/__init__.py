"""`make demo`: the whole product, end to end, in one command (on the local emulator when there is no AWS
account): publish and deploy the portfolio, create the feature group and a project, wait for the project's
build to upsert its pipeline, upload abalone.csv, follow the execution it starts, query the features with
Athena, and print what happened. Running it again reuses what the first run made."""
