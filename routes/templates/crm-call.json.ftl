<#-- The call as a CRM record (the crm destination's request body). Every ${body.…} value is already escaped
     for a JSON string: write it inside "…" and nowhere else. -->
{
  "deliveryId": "${body.deliveryId}",
  "callId": "${body.callId}",
  "outcome": "${body.outcome}",
  "customer": { "name": "${body.customerName}", "phone": "${body.customerPhone}" },
  "agent": "${body.agentName}",
  "direction": "${body.direction}",
  "duration": "${body.duration}",
  "sentiment": "${body.sentiment}",
  "summary": "${body.summary}",
  "startedAt": "${body.startedAt}",
  "endedAt": "${body.endedAt}"
}
