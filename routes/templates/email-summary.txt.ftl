<#-- Plain-text part of the summary email. Values are as the platform sent them. -->
${body.outcomeTitle} call with ${body.customerName}

Customer:     ${body.customerName} (${body.customerPhone})
Agent:        ${body.agentName}
Direction:    ${body.direction}
Duration:     ${body.duration}
Status:       ${body.status}
Sentiment:    ${body.sentiment}
Disconnected: ${body.disconnectionReason}
Started:      ${body.startedAt}
Ended:        ${body.endedAt}
Token cost:   ${body.tokenCost}

Summary
${body.summary}
<#if body.transcript??>

Transcript
${body.transcript}
</#if>

Call ${body.callId} · delivery ${body.deliveryId}
