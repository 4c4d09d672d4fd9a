// The dashboard's charts: figures from /console/dashboard.json (the database's, so every instance's), drawn
// by Chart.js from the jar. No inline script: the console's CSP allows only its own files.
(function () {
  'use strict';
  const root = document.getElementById('dashboard');
  if (!root || typeof Chart === 'undefined') {
    return;
  }
  const colours = {
    successful: '#12b76a', unsuccessful: '#f04438', unknown: '#98a2b3',
    SENT: '#12b76a', FAILED: '#f04438', PENDING: '#f79009', SKIPPED: '#98a2b3'
  };
  const palette = ['#2e90fa', '#12b76a', '#f79009', '#f04438', '#7a5af8', '#ee46bc', '#15b79e', '#98a2b3'];
  Chart.defaults.animation = false;

  function bar(id, labels, datasets, options) {
    return new Chart(document.getElementById(id), {
      type: 'bar',
      data: { labels: labels, datasets: datasets },
      options: Object.assign({ maintainAspectRatio: false, responsive: true }, options || {})
    });
  }

  fetch(root.dataset.source, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
    .then(function (answer) {
      if (!answer.ok) {
        throw new Error('HTTP ' + answer.status);
      }
      return answer.json();
    })
    .then(function (data) {
      document.getElementById('as-of').textContent =
        'From ' + data.since.replace('T', ' ').substring(0, 16) + ' to ' + data.until.replace('T', ' ').substring(0, 16)
        + ' UTC (counted at most 30 s ago).';
      document.getElementById('pending').textContent = data.backlog.pending;
      document.getElementById('undispatched').textContent = data.backlog.undispatched;

      bar('events-by-outcome', data.labels, Object.keys(data.eventsByOutcome).map(function (outcome) {
        return { label: outcome, data: data.eventsByOutcome[outcome], backgroundColor: colours[outcome] };
      }), { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } });

      const channels = Object.keys(data.deliveries);
      bar('deliveries', channels, ['SENT', 'FAILED', 'PENDING', 'SKIPPED'].map(function (status) {
        return {
          label: status,
          data: channels.map(function (channel) { return data.deliveries[channel][status] || 0; }),
          backgroundColor: colours[status]
        };
      }), { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } });

      new Chart(document.getElementById('backlog'), {
        type: 'line',
        data: {
          labels: data.labels,
          datasets: [
            { label: 'deliveries PENDING', data: data.backlogOverTime.pending, borderColor: colours.PENDING,
              backgroundColor: colours.PENDING, pointRadius: 1 },
            { label: 'events not yet dispatched', data: data.backlogOverTime.undispatched, borderColor: '#7a5af8',
              backgroundColor: '#7a5af8', pointRadius: 1 }
          ]
        },
        options: { maintainAspectRatio: false, responsive: true, scales: { y: { beginAtZero: true } } }
      });

      const rated = Object.keys(data.failureRate);
      bar('failure-rate', rated, [{
        label: 'FAILED of finished (%)',
        data: rated.map(function (channel) { return data.failureRate[channel]; }),
        backgroundColor: '#f04438'
      }], { scales: { y: { beginAtZero: true, max: 100 } } });

      const reasons = Object.keys(data.disconnections);
      bar('disconnections', reasons, [{
        label: 'calls',
        data: reasons.map(function (reason) { return data.disconnections[reason]; }),
        backgroundColor: '#2e90fa'
      }], { indexAxis: 'y', scales: { x: { beginAtZero: true } } });

      const moods = Object.keys(data.sentiment);
      new Chart(document.getElementById('sentiment'), {
        type: 'doughnut',
        data: {
          labels: moods,
          datasets: [{ data: moods.map(function (m) { return data.sentiment[m]; }), backgroundColor: palette }]
        },
        options: { maintainAspectRatio: false, responsive: true }
      });
      root.dataset.drawn = 'true';
    })
    .catch(function (failure) {
      const note = document.createElement('p');
      note.className = 'error';
      note.textContent = 'The figures could not be read (' + failure.message + '): reload the page.';
      root.prepend(note);
    });
})();
