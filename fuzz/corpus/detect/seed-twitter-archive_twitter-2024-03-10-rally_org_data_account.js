window.YTD.account.part0 = [
  {
    "account" : {
      "email" : "press@example.org",
      "createdVia" : "web",
      "username" : "Rally_Org",
      "accountId" : "1400000000000000001",
      "createdAt" : "2012-05-01T08:00:00.000Z",
      "accountDisplayName" : "Rally Org"
    }
  }
]