<#-- A Microsoft Teams message for a Workflows incoming webhook: an Adaptive Card in an attachment (the
     retired Office 365 connectors took another shape). Every ${body.…} value is already escaped for a JSON
     string: write it inside "…" and nowhere else. -->
{
  "type": "message",
  "attachments": [
    {
      "contentType": "application/vnd.microsoft.card.adaptive",
      "content": {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
          { "type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": true,
            "text": "${body.outcomeTitle} call with ${body.customerName}" },
          { "type": "FactSet", "facts": [
            { "title": "Customer", "value": "${body.customer}" },
            { "title": "Agent", "value": "${body.agentName}" },
            { "title": "Direction", "value": "${body.direction}" },
            { "title": "Duration", "value": "${body.duration}" },
            { "title": "Sentiment", "value": "${body.sentiment}" }
          ] },
          { "type": "TextBlock", "wrap": true, "text": "${body.summary}" },
          { "type": "TextBlock", "wrap": true, "isSubtle": true, "size": "Small",
            "text": "Call ${body.callId} · delivery ${body.deliveryId}" }
        ]<#if body.link?has_content>,
        "actions": [
          { "type": "Action.OpenUrl", "title": "Open this call in the console", "url": "${body.link}" }
        ]</#if>
      }
    }
  ]
}
