from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('financebot', '0001_initial')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='FlexMonthSums',
            options={'table': 'flex_month_sums', 'app': 'financebot', 'unique_together': (('person', 'month'),), 'pk_attr': 'id', 'table_description': "One person's counted hours of one month, per day, packed (see this module's docstring)."},
        ),
        ops.AddField(
            model_name='Invoice',
            name='aws_billing_money',
            field=fields.JSONField(default=dict, db_default='{}', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Invoice',
            name='figures_rules',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='Invoice',
            name='fixed_rows_money',
            field=fields.JSONField(default=dict, db_default='{}', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Invoice',
            name='previous_average_rate',
            field=fields.DecimalField(null=True, max_digits=20, decimal_places=6),
        ),
        ops.AddField(
            model_name='Invoice',
            name='previous_hours',
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=4),
        ),
        ops.AddField(
            model_name='Invoice',
            name='previous_money',
            field=fields.DecimalField(null=True, max_digits=20, decimal_places=6),
        ),
    ]
