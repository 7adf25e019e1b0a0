import pytest

from bot.settings import DEFAULT_API_URL, SettingError, Settings


def test_defaults_need_nothing_set():
    settings = Settings.from_env({})
    assert settings.api_url == DEFAULT_API_URL
    assert settings.database_url.startswith("sqlite:///")
    assert str(settings.config_path) == "partnership.yaml"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL 'slack.com/api' is not an http(s) URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL is not a database URL"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL uses 'mysql'"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN should start with 'xoxb-'"),
        ({"SLACK_APP_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN should start with 'xapp-'"),
    ],
)
def test_bad_settings_are_named_in_one_line(env, message):
    with pytest.raises(SettingError) as raised:
        Settings.from_env(env)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_required_settings_say_where_to_find_them():
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})
    settings.require("SLACK_BOT_TOKEN")
    with pytest.raises(SettingError, match="SLACK_SIGNING_SECRET is not set: copy the Signing Secret"):
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")


def test_api_url_gets_its_trailing_slash():
    assert Settings.from_env({"SLACK_API_URL": "http://127.0.0.1:9/api"}).api_url == "http://127.0.0.1:9/api/"
