<#-- HTML part of the summary email. Every ${body.…} value is already HTML-escaped. body.link is the call's
     page in the console (empty while CALLHOOK_CONSOLE_URL is unset). -->
<!DOCTYPE html>
<html lang="en">
<head><meta charset="UTF-8"><title>${body.outcomeTitle} call with ${body.customerName}</title></head>
<body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #1d1d1f;">
  <h2>${body.outcomeTitle} call with ${body.customerName}</h2>
<#if body.link?has_content>
  <p><a href="${body.link}" style="color: #0a66c2;">Open this call in the console</a></p>
</#if>
  <table cellpadding="4" style="border-collapse: collapse;">
    <tr><th align="left">Customer</th><td>${body.customer}</td></tr>
    <tr><th align="left">Agent</th><td>${body.agentName}</td></tr>
    <tr><th align="left">Direction</th><td>${body.direction}</td></tr>
    <tr><th align="left">Duration</th><td>${body.duration}</td></tr>
    <tr><th align="left">Status</th><td>${body.status}</td></tr>
    <tr><th align="left">Sentiment</th><td>${body.sentiment}</td></tr>
    <tr><th align="left">Disconnected</th><td>${body.reason}</td></tr>
    <tr><th align="left">Started</th><td>${body.started}</td></tr>
    <tr><th align="left">Ended</th><td>${body.ended}</td></tr>
    <tr><th align="left">Token cost</th><td>${body.tokenCost}</td></tr>
  </table>
  <h3>Summary</h3>
  <p style="white-space: pre-wrap;">${body.summary}</p>
<#if body.transcript??>
  <h3>Transcript</h3>
  <pre style="white-space: pre-wrap;">${body.transcript}</pre>
</#if>
  <p style="color: #86868b; font-size: small;">Call ${body.callId} · delivery ${body.deliveryId}</p>
</body>
</html>
