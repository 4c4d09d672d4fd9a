<#-- Slack Block Kit message for a call a branch escalates (the slack-escalations destination). Every
     ${body.…} value is already escaped for mrkdwn and for a JSON string: write it inside "…" and nowhere else. body.link is
     the call's page in the console (empty while CALLHOOK_CONSOLE_URL is unset). -->
{
  "text": "Escalation: ${body.sentiment} call with ${body.customerName}",
  "blocks": [
    {
      "type": "section",
      "text": { "type": "mrkdwn", "text": ":rotating_light: *Escalation: ${body.sentiment} call with ${body.customerName}*" }
    },
    {
      "type": "section",
      "fields": [
        { "type": "mrkdwn", "text": "*Customer*\n${body.customer}" },
        { "type": "mrkdwn", "text": "*Agent*\n${body.agentName}" },
        { "type": "mrkdwn", "text": "*Outcome*\n${body.outcomeTitle}" },
        { "type": "mrkdwn", "text": "*Ended*\n${body.reason}" }
      ]
    },
    {
      "type": "section",
      "text": { "type": "mrkdwn", "text": "*Summary*\n${body.summary}" }
    },
<#if body.link?has_content>
    {
      "type": "section",
      "text": { "type": "mrkdwn", "text": "<${body.link}|Open this call in the console>" }
    },
</#if>
    {
      "type": "context",
      "elements": [ { "type": "mrkdwn", "text": "Call ${body.callId} · delivery ${body.deliveryId}" } ]
    }
  ]
}
