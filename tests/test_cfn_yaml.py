import pytest

from scripts import cfn_yaml
from scripts.cfn_yaml import Tagged

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
