<#-- Plain-text part of the digest email. -->
Calls from ${body.from} to ${body.to} (${body.zone})

Calls:            ${body.calls}
Success rate:     ${body.successRate} (${body.successful} successful, ${body.unsuccessful} unsuccessful, ${body.unknown} outcome unknown)
Average duration: ${body.averageDuration}
Token cost:       ${body.tokenCost}
Sentiment:        <#list body.sentiments as s>${s.sentiment} ${s.count}<#sep>, </#sep></#list>

Unsuccessful calls
<#list body.unsuccessfulCalls as call>
- ${call.at}  ${call.customer} with ${call.agent}: ${call.reason} (call ${call.callId})
<#else>
none
</#list>
<#if body.unsuccessfulNotListed != "0">
… and ${body.unsuccessfulNotListed} more
</#if>
