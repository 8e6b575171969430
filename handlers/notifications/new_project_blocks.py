"""Block Kit for the post about a new project in the channels marked for it.

Names the project as ``Client – Project`` (10000ft text, escaped for mrkdwn in the blocks and
in the plain-text fallback alike: Slack reads both as mrkdwn) and links to it on the admin
site (``PUBLIC_URL/projects/<guid>``) and in 10000ft.
"""

from __future__ import annotations

from core.settings import Settings
from core.slack_text import escape_mrkdwn
from handlers.flex.blocks import context, mrkdwn_section, url_button
from handlers.slack_ids import ActionId
from models.notifications.new_projects import NewProject
from sync.slack_delivery import SlackMessage

HEADING = "New project"


def admin_site_url(project: NewProject, settings: Settings) -> str:
    return settings.public_link(f"/projects/{project.guid}")


def new_project_message(project: NewProject, settings: Settings) -> SlackMessage:
    title = escape_mrkdwn(project.title)
    admin_url = admin_site_url(project, settings)
    upstream_url = settings.tenkfeet_project_link(project.tenkfeet_id)
    text = f"{HEADING}: {title}. Admin site: {admin_url} · 10000ft: {upstream_url}"
    blocks = [
        mrkdwn_section(f"*{HEADING}:* <{admin_url}|{title}>"),
        context("Added in 10000ft; seen by the projects sync."),
        {
            "type": "actions",
            "elements": [
                url_button("Open on the admin site", admin_url, ActionId.NEW_PROJECT_OPEN),
                url_button("Open in 10000ft", upstream_url, ActionId.NEW_PROJECT_OPEN_TENKFEET),
            ],
        },
    ]
    return SlackMessage(text=text, blocks=blocks)
