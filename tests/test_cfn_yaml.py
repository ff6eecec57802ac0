import pytest

from scripts import cfn_yaml
from scripts.cfn_yaml import Tagged
from scripts.errors import KitError, TemplateSyntaxError

TEMPLATE = """\
AWSTemplateFormatVersion: 2010-09-09
Description: |
  first line
  second line
Conditions:
  IsAuto: !Equals [!Ref Role, Auto]
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !If [IsAuto, !GetAtt FnRole.Arn, !Ref Role]
      Name: !Sub '${AWS::StackName}-fn'
      Env: !Sub
        - '${Bucket}/x'
        - Bucket: !Select [0, !Split ['/', !Ref Prefix]]
"""


def test_short_form_tags_survive_a_round_trip():
    document = cfn_yaml.loads(TEMPLATE)
    role = document["Resources"]["Fn"]["Properties"]["Role"]
    assert role == Tagged("!If", ["IsAuto", Tagged("!GetAtt", "FnRole.Arn"), Tagged("!Ref", "Role")])
    assert cfn_yaml.loads(cfn_yaml.dumps(document)) == document


def test_template_format_version_stays_a_string():
    document = cfn_yaml.loads(TEMPLATE)
    assert document["AWSTemplateFormatVersion"] == "2010-09-09"
    assert "AWSTemplateFormatVersion: '2010-09-09'" in cfn_yaml.dumps(document)


def test_multi_line_strings_dump_as_blocks():
    dumped = cfn_yaml.dumps(cfn_yaml.loads(TEMPLATE))
    assert "Description: |\n  first line\n  second line\n" in dumped


def test_dumping_is_deterministic_and_keeps_key_order():
    document = cfn_yaml.loads(TEMPLATE)
    first, second = cfn_yaml.dumps(document), cfn_yaml.dumps(cfn_yaml.loads(TEMPLATE))
    assert first == second
    keys = ["AWSTemplateFormatVersion", "Description", "Conditions", "Resources"]
    assert list(cfn_yaml.loads(first)) == keys


def test_a_template_must_be_a_mapping():
    with pytest.raises(ValueError, match="must be a YAML mapping"):
        cfn_yaml.loads("- just\n- a list\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n   Properties: {}\n",
            "x.yaml:4: YAML syntax error, did not find expected key "
            "(while parsing a block mapping on line 2)",
            id="bad-indentation",
        ),
        pytest.param(
            "Resources:\n  Queue: a: b\n",
            "x.yaml:2: YAML syntax error, mapping values are not allowed in this context",
            id="colon-in-a-plain-value",
        ),
        pytest.param(
            "Description: 'unclosed\nResources: {}\n",
            "x.yaml:3: YAML syntax error, found unexpected end of stream "
            "(while scanning a quoted scalar on line 1)",
            id="unclosed-quote",
        ),
        pytest.param(
            "Resources:\n\tQueue: {}\n",
            "x.yaml:2: YAML syntax error, found character that cannot start any token "
            "(while scanning for the next token on line 2)",
            id="tab",
        ),
        pytest.param(
            "Description: ok\nOutputs: \x07\n",
            "x.yaml:2: YAML syntax error, character #x0007: control characters are not allowed",
            id="control-character",
        ),
        pytest.param(
            "- a\n- b\n", "x.yaml:1: a CloudFormation template must be a YAML mapping, found a list"
        ),
        pytest.param(
            "", "x.yaml:1: a CloudFormation template must be a YAML mapping, found nothing", id="empty"
        ),
    ],
)
def test_a_template_that_does_not_parse_is_named_with_its_line_in_one_line(text, message):
    with pytest.raises(TemplateSyntaxError) as raised:
        cfn_yaml.loads(text, "x.yaml")
    assert str(raised.value) == f"{message}: fix the YAML"
    assert isinstance(raised.value, KitError) and isinstance(raised.value, ValueError)
