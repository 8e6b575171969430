"""AWS billing: the S3 files' formats, their rows validated into records, and a month stored.

Plain functions and small classes over text and plain data; ``sync/aws/`` reads S3 and feeds
them (docs/csv-formats.md, "AWS billing files").
"""
