<#-- Slack Block Kit message for a call whose outcome the platform did not report (team webhook).
     Every ${body.…} value is already escaped for mrkdwn and for a JSON string. -->
{
  "text": "Call with ${body.customerName} ended, outcome unknown",
  "blocks": [
    {
      "type": "section",
      "text": { "type": "mrkdwn", "text": ":grey_question: *Call with ${body.customerName} ended, outcome unknown*" }
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
