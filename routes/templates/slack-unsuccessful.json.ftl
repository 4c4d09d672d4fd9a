<#-- Slack Block Kit alert for an unsuccessful call (alerts webhook). Every ${body.…} value is already
     escaped for mrkdwn and for a JSON string: write it inside "…" and nowhere else. body.link is
     the call's page in the console (empty while CALLHOOK_CONSOLE_URL is unset). -->
{
  "text": "Unsuccessful call with ${body.customerName}: ${body.reason}",
  "blocks": [
    {
      "type": "section",
      "text": { "type": "mrkdwn", "text": ":warning: *Unsuccessful call with ${body.customerName}*\nDisconnection reason: *${body.reason}*" }
    },
    {
      "type": "section",
      "fields": [
        { "type": "mrkdwn", "text": "*Customer*\n${body.customer}" },
        { "type": "mrkdwn", "text": "*Agent*\n${body.agentName}" },
        { "type": "mrkdwn", "text": "*Direction*\n${body.direction}" },
        { "type": "mrkdwn", "text": "*Duration*\n${body.duration}" },
        { "type": "mrkdwn", "text": "*Sentiment*\n${body.sentiment}" },
        { "type": "mrkdwn", "text": "*Status*\n${body.status}" }
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
