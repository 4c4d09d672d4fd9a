-- wrk script: POST /webhook with the platform's call.ended sample, a fresh delivery id per request.
-- Each wrk thread gets its own prefix, so ids never repeat across threads or runs; a wrk argument
-- (`wrk … -- name`) is added to it, for wrk processes started in the same second.
local counter = 0
local prefix = ""
local threads = {}

local template = [[{"id":"%s","event":"call.ended","timestamp":"2026-04-05T14:04:00Z","data":{"callId":"clx-call-001","organizationId":"clx-org-001","agentId":"clx-agent-001","agentName":"Sales Agent","customerName":"John Doe","customerPhone":"+1234567890","fromNumber":"+0987654321","direction":"OUTBOUND","status":"completed","duration":240,"disconnectionReason":"agent_hangup","sentiment":"positive","summary":"Discussed enterprise pricing. Customer interested in annual plan.","transcript":"Agent: Hello John, this is...\nJohn: Hi, yes I was...","callSuccessful":true,"tokenCost":12.50,"startedAt":"2026-04-05T14:00:00Z","endedAt":"2026-04-05T14:04:00Z","metadata":{"campaign_id":"summer_2026"}}}]]

function setup(thread)
  thread:set("prefix", string.format("bench-%d-%d-", os.time(), #threads))
  table.insert(threads, thread)
end

function init(args)
  prefix = wrk.thread:get("prefix") .. (args[1] and (args[1] .. "-") or "")
  wrk.method = "POST"
  -- the path is the URL's (/webhook, /floor, n8n's webhook path)
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, string.format(template, prefix .. counter))
end

-- one machine-readable line: requests answered, of which not 2xx, latency percentiles, throughput
function done(summary, latency, requests)
  io.write(string.format("BENCH requests=%d non2xx=%d p50_ms=%.2f p99_ms=%.2f rps=%.0f\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
