"""Microsoft Graph v1.0: the chat and channel operations the bot uses to make case spaces."""

from . import channels, chats

ROUTES = [*chats.ROUTES, *channels.ROUTES]
# Every application permission an operation here accepts: what an administrator consents to by default.
ALL_ROLES = frozenset(
    {
        "Chat.Create",
        "Chat.ReadBasic.All",
        "Chat.Read.All",
        "Chat.ReadWrite.All",
        "ChatMember.Read.All",
        "ChatMember.ReadWrite.All",
        "ChatMessage.Read.All",
        "TeamsAppInstallation.ReadWriteForChat.All",
        "Channel.Create",
        "Channel.ReadBasic.All",
        "ChannelMember.Read.All",
        "ChannelMember.ReadWrite.All",
        "ChannelMessage.Read.All",
        "ChannelSettings.ReadWrite.All",
    }
)
