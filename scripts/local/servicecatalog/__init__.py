"""Service Catalog: provisioning artifacts, portfolio associations, constraints and the read APIs
moto lacks, plus CloudFormation handlers for the five ``AWS::ServiceCatalog::*`` types we use."""
