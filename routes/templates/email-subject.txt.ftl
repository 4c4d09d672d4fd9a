<#-- Subject line of the summary email: one line; control characters are removed after rendering. -->
[callhook] ${body.outcomeTitle} call with ${body.customerName} (agent ${body.agentName})
