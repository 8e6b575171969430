"""The AWS billing import: files read from S3 with aioboto3 (``s3.py``), found per month in
either format and stored through ``models/aws_billing`` (``billing.py``)."""
