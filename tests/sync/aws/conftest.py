from tests.support.s3 import s3_server as s3_server
