import pytest

from scripts.cfn_yaml import Tagged
from scripts.errors import PlaceholderError
from scripts.placeholders import Release, find_tokens, render

VALUES = {"bucket": "staging", "prefix": "kit", "seed-code-key": "kit/artifacts/seed-abc.zip"}
RELEASES = (
    Release("1.0.0", "https://staging.s3.us-east-1.amazonaws.com/kit/product/1.0.0/t.yaml"),
    Release("1.1.0", "https://staging.s3.us-east-1.amazonaws.com/kit/product/1.1.0/t.yaml"),
)


def test_whole_and_embedded_tokens_are_replaced_inside_intrinsic_functions():
    document = {
        "Code": {"S3": {"Bucket": "{{package:bucket}}", "Key": "{{package:seed-code-key}}"}},
        "Resource": Tagged("!Sub", "arn:${AWS::Partition}:s3:::{{package:bucket}}/{{package:prefix}}/*"),
    }
    rendered = render(document, VALUES)
    assert rendered["Code"]["S3"] == {"Bucket": "staging", "Key": "kit/artifacts/seed-abc.zip"}
    assert rendered["Resource"] == Tagged("!Sub", "arn:${AWS::Partition}:s3:::staging/kit/*")
    assert find_tokens(rendered) == []


def test_a_whole_token_may_become_a_non_string_value():
    assert render({"Size": "{{package:size}}"}, {"size": 3}) == {"Size": 3}


def test_per_release_list_items_are_repeated_oldest_first():
    document = {
        "Artifacts": [
            {
                "Name": "{{package:version}}",
                "Description": "version {{package:version}} in {{package:bucket}}",
                "Info": {"LoadTemplateFromURL": "{{package:product-template-url}}"},
            }
        ]
    }
    rendered = render(document, VALUES, RELEASES)
    assert rendered["Artifacts"] == [
        {
            "Name": release.version,
            "Description": f"version {release.version} in staging",
            "Info": {"LoadTemplateFromURL": release.product_template_url},
        }
        for release in RELEASES
    ]


def test_unknown_token_names_the_token_its_path_and_the_known_names():
    with pytest.raises(PlaceholderError) as raised:
        render({"Resources": {"Repo": {"Key": "{{package:seed-key}}"}}}, VALUES)
    message = str(raised.value)
    assert "unknown placeholder {{package:seed-key}} at Resources.Repo.Key" in message
    assert "bucket, prefix, seed-code-key" in message


def test_a_per_release_item_without_releases_is_refused():
    with pytest.raises(PlaceholderError, match=r"Artifacts\.0 is a per-release item but no release"):
        render({"Artifacts": [{"Name": "{{package:version}}"}]}, VALUES)


def test_a_value_that_itself_holds_a_token_is_reported_as_left_over():
    with pytest.raises(PlaceholderError, match=r"placeholders left after rendering: \{\{package:x\}\} at A"):
        render({"A": "{{package:bucket}}"}, {"bucket": "{{package:x}}"})


def test_a_non_string_value_cannot_be_embedded_in_text():
    with pytest.raises(PlaceholderError, match="embedded in text but its value is not a string"):
        render({"A": "size={{package:size}}"}, {"size": 3})
