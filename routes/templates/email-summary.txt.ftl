<#-- Plain-text part of the summary email. body.link is the call's page in the console (empty while
     CALLHOOK_CONSOLE_URL is unset). -->
${body.outcomeTitle} call with ${body.customerName}
<#if body.link?has_content>
Open this call in the console: ${body.link}
</#if>

Customer:     ${body.customer}
Agent:        ${body.agentName}
Direction:    ${body.direction}
Duration:     ${body.duration}
Status:       ${body.status}
Sentiment:    ${body.sentiment}
Disconnected: ${body.reason}
Started:      ${body.started}
Ended:        ${body.ended}
Token cost:   ${body.tokenCost}

Summary
${body.summary}
<#if body.transcript??>

Transcript
${body.transcript}
</#if>

Call ${body.callId} · delivery ${body.deliveryId}
