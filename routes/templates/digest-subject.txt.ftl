<#-- Subject of the digest email: one line; control characters are removed after rendering. -->
[callhook] Calls digest<#if body.late == "true"> (sent late)</#if>: ${body.calls} calls, ${body.successRate} successful (${body.from} → ${body.to} ${body.zone})
