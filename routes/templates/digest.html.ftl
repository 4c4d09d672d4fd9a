<#-- HTML part of the digest email. Every ${body.…} value is already HTML-escaped. -->
<!DOCTYPE html>
<html lang="en">
<head><meta charset="UTF-8"><title>Calls digest</title></head>
<body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #1d1d1f;">
  <h2>Calls from ${body.from} to ${body.to} (${body.zone})</h2>
  <table cellpadding="4" style="border-collapse: collapse;">
    <tr><th align="left">Calls</th><td>${body.calls}</td></tr>
    <tr><th align="left">Success rate</th><td>${body.successRate} (${body.successful} successful, ${body.unsuccessful} unsuccessful, ${body.unknown} outcome unknown)</td></tr>
    <tr><th align="left">Average duration</th><td>${body.averageDuration}</td></tr>
    <tr><th align="left">Token cost</th><td>${body.tokenCost}</td></tr>
    <tr><th align="left">Sentiment</th><td><#list body.sentiments as s>${s.sentiment} ${s.count}<#sep>, </#sep></#list></td></tr>
  </table>
  <h3>Unsuccessful calls</h3>
<#if body.unsuccessfulCalls?has_content>
  <table cellpadding="4" style="border-collapse: collapse;">
    <tr><th align="left">When</th><th align="left">Customer</th><th align="left">Agent</th><th align="left">Reason</th><th align="left">Summary</th></tr>
<#list body.unsuccessfulCalls as call>
    <tr><td>${call.at}</td><td>${call.customer}</td><td>${call.agent}</td><td>${call.reason}</td><td>${call.summary}</td></tr>
</#list>
  </table>
<#if body.unsuccessfulNotListed != "0">
  <p>… and ${body.unsuccessfulNotListed} more.</p>
</#if>
<#else>
  <p>None.</p>
</#if>
</body>
</html>
